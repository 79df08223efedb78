/** Placeholder of the ジョブ確認 screen (issue 21): its helper replaces it. */
export function Jobs() {
  return <h1>ジョブ確認</h1>;
}
