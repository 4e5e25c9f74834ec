// A validation rule that bounds how deep an operation nests (fragments followed). The data graph
// and introspection are measured apart: the introspection query every GraphQL tool sends nests
// `ofType` about 15 levels, so `__schema` and `__type` have a bound of their own, above that query
// and far below a crafted chain. Each fragment's depth is measured once and remembered, so
// fragments that spread one another many times cost linear, not exponential, time.
import {
  GraphQLError,
  Kind,
  type FragmentDefinitionNode,
  type SelectionSetNode,
  type ValidationContext,
  type ValidationRule,
} from 'graphql';

/**
 * Deeper than `getIntrospectionQuery()` with every option (depth 14 in graphql 16: TypeRef's
 * `ofType` chain under __schema.types.fields.type), with room for tools that ask one level more.
 */
export const MAX_INTROSPECTION_DEPTH = 20;

const INTROSPECTION_FIELDS = new Set(['__schema', '__type']);

/** Which part of an operation is measured: the data graph, or what is under __schema/__type. */
type Part = 'data' | 'introspection';

class DepthMeter {
  private readonly known = new Map<string, number>();
  private readonly measuring = new Set<string>();

  constructor(
    private readonly fragments: Map<string, FragmentDefinitionNode>,
    private readonly part: Part,
  ) {}

  /**
   * Depth of a selection set: the deepest field chain below it, fragments included. In the data
   * part an introspection field adds nothing; in the introspection part only chains that pass
   * through one count (`inside`: below one already).
   */
  of(selectionSet: SelectionSetNode | undefined, inside = false): number {
    let deepest = 0;
    for (const selection of selectionSet?.selections ?? []) {
      let depth: number;
      if (selection.kind === Kind.FIELD) {
        const opens = INTROSPECTION_FIELDS.has(selection.name.value);
        if (this.part === 'data') {
          if (opens) continue;
          depth = 1 + this.of(selection.selectionSet);
        } else {
          // __schema and __type exist on the root only: a data field leads to no introspection.
          depth = inside || opens ? 1 + this.of(selection.selectionSet, true) : 0;
        }
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        depth = this.of(selection.selectionSet, inside);
      } else {
        depth = this.fragment(selection.name.value, inside);
      }
      deepest = Math.max(deepest, depth);
    }
    return deepest;
  }

  private fragment(name: string, inside: boolean): number {
    const key = `${name}|${inside}`;
    const cached = this.known.get(key);
    if (cached !== undefined) return cached;
    const fragment = this.fragments.get(name);
    // Unknown fragments and cycles are reported by graphql's own rules; they add no depth here.
    if (!fragment || this.measuring.has(key)) return 0;
    this.measuring.add(key);
    const depth = this.of(fragment.selectionSet, inside);
    this.measuring.delete(key);
    this.known.set(key, depth);
    return depth;
  }
}

export interface DepthLimits {
  /** The data graph's bound (MAX_QUERY_DEPTH). */
  maxDepth: number;
  /** Whether __schema and __type may be asked at all (GRAPHQL_INTROSPECTION). */
  introspection: boolean;
}

export function depthLimit({ maxDepth, introspection }: DepthLimits): ValidationRule {
  return (context: ValidationContext) => {
    const document = context.getDocument();
    const fragments = new Map<string, FragmentDefinitionNode>();
    for (const d of document.definitions)
      if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
    const data = new DepthMeter(fragments, 'data');
    const schema = new DepthMeter(fragments, 'introspection');
    for (const d of document.definitions) {
      if (d.kind !== Kind.OPERATION_DEFINITION) continue;
      const depth = data.of(d.selectionSet);
      if (depth > maxDepth)
        context.reportError(
          new GraphQLError(`query depth ${depth} exceeds the maximum of ${maxDepth}`, {
            nodes: [d],
          }),
        );
      const introspectionDepth = schema.of(d.selectionSet);
      if (introspectionDepth > 0 && !introspection)
        context.reportError(
          new GraphQLError(
            'introspection (__schema, __type) is turned off on this server (GRAPHQL_INTROSPECTION=false); the SDL is not served either',
            { nodes: [d] },
          ),
        );
      else if (introspectionDepth > MAX_INTROSPECTION_DEPTH)
        context.reportError(
          new GraphQLError(
            `introspection depth ${introspectionDepth} exceeds the maximum of ${MAX_INTROSPECTION_DEPTH}`,
            { nodes: [d] },
          ),
        );
    }
    return {};
  };
}
