const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/**
 * The one escape of the HTML report: every byte of server or file text (chain and step ids, error
 * messages, answers) goes through it, in text and in attribute values alike, so `<script>` in an
 * answer is shown as text and no quote can close an attribute.
 */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ENTITIES[c] as string);
}
