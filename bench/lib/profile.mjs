/** Placeholder replaced below. */
export function profileReport() {
  return undefined;
}
