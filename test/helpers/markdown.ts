/**
 * Reading Markdown the way GitHub and npm render it: the prose outside fenced blocks, the anchors
 * its headings get, and the targets of its links.
 */

/** The text outside fenced blocks: links and headings in code are not links and headings. */
export function prose(markdown: string): string {
  return markdown.replace(/^```[^\n]*\n[\s\S]*?^```$/gm, '');
}

/** GitHub's anchors for a page's headings: lower case, punctuation dropped, spaces to hyphens, repeats numbered. */
export function anchors(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const result = new Set<string>();
  for (const [, title] of prose(markdown).matchAll(/^#{1,6} (.+)$/gm)) {
    const slug = (title ?? '')
      .trim()
      .toLowerCase()
      .replace(/[^\p{L}\p{N} _-]/gu, '')
      .replaceAll(' ', '-');
    const count = seen.get(slug) ?? 0;
    seen.set(slug, count + 1);
    result.add(count === 0 ? slug : `${slug}-${count}`);
  }
  return result;
}

/** Every link target of a Markdown file (`[text](target)` and `![alt](target)`), web URLs included. */
export function links(markdown: string): string[] {
  return [...prose(markdown).matchAll(/\]\(([^)\s]+)\)/g)].map((match) => match[1] ?? '');
}

/** The repository the packages' `repository` field names; links into it are checked against this clone. */
export const REPOSITORY_URL = 'https://github.com/passport-salesforce-pkce/passport-salesforce-pkce';

/**
 * The file of this repository an absolute link points at (`…/blob/main/docs/options.md#x` →
 * `{ path: 'docs/options.md', anchor: 'x' }`; a folder, `…/tree/main/packages/x#readme`, is the
 * README.md GitHub shows in it), or `undefined` for a link elsewhere.
 */
export function repositoryTarget(url: string): { path: string; anchor: string | undefined } | undefined {
  const match = new RegExp(`^${REPOSITORY_URL.replaceAll('.', '\\.')}/(blob|tree)/main/([^#?]+)(?:#(.*))?$`).exec(url);
  if (match === null) return undefined;
  const path = decodeURIComponent(match[2] ?? '');
  if (match[1] === 'tree') return { path: `${path.replace(/\/$/, '')}/README.md`, anchor: match[3] === 'readme' ? undefined : match[3] };
  return { path, anchor: match[3] };
}
