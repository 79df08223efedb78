/** Placeholder of the メール screen (issue 21): its helper replaces it. */
export function Mail() {
  return <h1>メール</h1>;
}
