import { useEffect } from "preact/hooks";

/** The document title for a screen: "SCREEN | CRM" (what a screen reader announces on navigation). */
export function usePageTitle(screen: string): void {
  useEffect(() => {
    document.title = screen ? `${screen} | CRM` : "CRM";
  }, [screen]);
}
