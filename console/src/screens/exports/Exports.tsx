/** Placeholder of the エクスポート screen (issue 21): its helper replaces it. */
export function Exports() {
  return <h1>エクスポート</h1>;
}
