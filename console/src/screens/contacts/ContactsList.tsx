/** Placeholder until its screen lands. */
export function ContactsList() {
  return <h1>ContactsList</h1>;
}
