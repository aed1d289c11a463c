/** A copy of `array`'s first `used` elements in an array of the same type, of at least `needed` elements and at least twice as long. */
export function grown<A extends Uint8Array | Int32Array>(array: A, used: number, needed: number): A {
  const next = new (array.constructor as new (length: number) => A)(Math.max(array.length * 2, needed));
  next.set(array.subarray(0, used));
  return next;
}
