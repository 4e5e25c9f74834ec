// Opaque keyset cursors over a numeric id (newest-first pages): base64url of "<kind>:<id>", so a
// cursor of one list is refused by another with a clear error.
import { UserInputError } from './errors';

export interface Page<T> {
  edges: { cursor: string; node: T }[];
  pageInfo: { endCursor: string | null; hasNextPage: boolean };
}

export function idCursor(kind: string) {
  const prefix = `${kind}:`;
  const encode = (id: number) => Buffer.from(`${prefix}${id}`).toString('base64url');
  return {
    encode,
    /** A page of `first` from rows read with one more, which only tells whether more follow. */
    page<T extends { id: number }>(rows: T[], first: number): Page<T> {
      const nodes = rows.slice(0, first);
      return {
        edges: nodes.map((node) => ({ cursor: encode(node.id), node })),
        pageInfo: {
          endCursor: nodes.length ? encode(nodes[nodes.length - 1].id) : null,
          hasNextPage: rows.length > first,
        },
      };
    },
    decode(cursor: string): number {
      const text = Buffer.from(cursor, 'base64url').toString('utf8');
      const id = Number(text.slice(prefix.length));
      if (!text.startsWith(prefix) || !Number.isSafeInteger(id) || id < 1)
        throw new UserInputError(`after: "${cursor}" is not a cursor from this list`, 'after');
      return id;
    },
  };
}
