/**
 * Waits for `work` at most `ms`: true when it settled in time (resolved or rejected), false
 * when the deadline came first. For stop steps that are round trips over a connection that
 * may still be reading a backlog: the stop goes on instead of waiting past its deadline.
 */
export async function settledWithin(work: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  try {
    return await Promise.race([work.then(() => true, () => true), late]);
  } finally {
    clearTimeout(timer);
  }
}
