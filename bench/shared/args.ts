/** `--name=value` from the command line as a number, or the fallback when it is not given. Used by every benchmark. */
export function numberArg(name: string, fallback: number): number {
  return Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback);
}
