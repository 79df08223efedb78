/** Placeholder of the 通知 screen (issue 21): its helper replaces it. */
export function Notifications() {
  return <h1>通知</h1>;
}
