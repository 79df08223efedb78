/** Placeholder of the インポート screen (issue 21): its helper replaces it. */
export function Imports() {
  return <h1>インポート</h1>;
}
