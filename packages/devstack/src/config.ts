/** Service processes get a clean environment: only PATH is inherited, everything else is explicit. */
export const inheritedEnv = { PATH: process.env.PATH ?? '' };
