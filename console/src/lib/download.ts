/** Hands URL to the browser as a download (a link clicked for the user): an export's presigned
 * URL, answered as an attachment, or a file built in the page (an object URL) saved as FILENAME. */
export function download(url: string, filename?: string): void {
  const link = document.createElement("a");
  link.href = url;
  link.rel = "noopener noreferrer";
  if (filename) link.download = filename;
  document.body.append(link);
  link.click();
  link.remove();
}
