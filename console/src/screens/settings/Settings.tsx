/** Placeholder until its screen lands. */
export function Settings() {
  return <h1>Settings</h1>;
}
