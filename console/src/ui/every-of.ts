/**
 * A runtime list of every member of a union type the API document defines (activity actions,
 * webhook event types), checked by the compiler both ways: the build fails when the API gains a
 * member the list lacks (the error names it) or the list holds one the API does not have.
 *
 *   const ACTIONS = everyOf<Action>()(['campaign.launched', ...]);
 */
export function everyOf<T extends string>() {
  return <const L extends readonly T[]>(
    list: L &
      ([Exclude<T, L[number]>] extends [never] ? unknown : { missing: Exclude<T, L[number]> }),
  ): readonly T[] => list;
}
