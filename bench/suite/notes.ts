/**
 * Written by hand after the runs of this report: why a target was missed and what would reach it.
 * Kept in code so that every regenerated report carries it; update it when the figures move.
 */
export const NOTES = `
## Why targets are missed, and what would reach them

_To be written from the first full run._
`;
