/** Placeholder of the テンプレート screen (issue 21): its helper replaces it. */
export function Templates() {
  return <h1>テンプレート</h1>;
}
