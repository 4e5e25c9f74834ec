// A validation rule that rejects operations nested deeper than `maxDepth` (fragments followed).
// Each fragment's depth is measured once and remembered, so fragments that spread one another
// many times cost linear, not exponential, time.
import {
  GraphQLError,
  Kind,
  type FragmentDefinitionNode,
  type SelectionSetNode,
  type ValidationContext,
  type ValidationRule,
} from 'graphql';

class DepthMeter {
  private readonly known = new Map<string, number>();
  private readonly measuring = new Set<string>();

  constructor(private readonly fragments: Map<string, FragmentDefinitionNode>) {}

  /** Depth of a selection set: the deepest field chain below it, fragments included. */
  of(selectionSet: SelectionSetNode | undefined): number {
    let deepest = 0;
    for (const selection of selectionSet?.selections ?? []) {
      const depth =
        selection.kind === Kind.FIELD
          ? 1 + this.of(selection.selectionSet)
          : selection.kind === Kind.INLINE_FRAGMENT
            ? this.of(selection.selectionSet)
            : this.fragment(selection.name.value);
      deepest = Math.max(deepest, depth);
    }
    return deepest;
  }

  private fragment(name: string): number {
    const cached = this.known.get(name);
    if (cached !== undefined) return cached;
    const fragment = this.fragments.get(name);
    // Unknown fragments and cycles are reported by graphql's own rules; they add no depth here.
    if (!fragment || this.measuring.has(name)) return 0;
    this.measuring.add(name);
    const depth = this.of(fragment.selectionSet);
    this.measuring.delete(name);
    this.known.set(name, depth);
    return depth;
  }
}

export function depthLimit(maxDepth: number): ValidationRule {
  return (context: ValidationContext) => {
    const document = context.getDocument();
    const fragments = new Map<string, FragmentDefinitionNode>();
    for (const d of document.definitions)
      if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
    const meter = new DepthMeter(fragments);
    for (const d of document.definitions) {
      if (d.kind !== Kind.OPERATION_DEFINITION) continue;
      const depth = meter.of(d.selectionSet);
      if (depth > maxDepth) {
        context.reportError(
          new GraphQLError(`query depth ${depth} exceeds the maximum of ${maxDepth}`, {
            nodes: [d],
          }),
        );
      }
    }
    return {};
  };
}
