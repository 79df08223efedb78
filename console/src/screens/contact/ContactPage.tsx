/** Placeholder until its screen lands. */
export function ContactPage() {
  return <h1>ContactPage</h1>;
}
