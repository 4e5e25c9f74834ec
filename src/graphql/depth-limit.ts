// A validation rule that rejects operations nested deeper than `maxDepth` (fragments followed).
import {
  GraphQLError,
  Kind,
  type ASTNode,
  type FragmentDefinitionNode,
  type ValidationContext,
  type ValidationRule,
} from 'graphql';

function depthOf(
  node: ASTNode,
  fragments: Map<string, FragmentDefinitionNode>,
  seen: Set<string>,
): number {
  if (node.kind === Kind.FRAGMENT_SPREAD) {
    const fragment = fragments.get(node.name.value);
    if (!fragment || seen.has(node.name.value)) return 0;
    return depthOf(fragment, fragments, new Set([...seen, node.name.value]));
  }
  const own = node.kind === Kind.FIELD ? 1 : 0;
  const selections =
    'selectionSet' in node && node.selectionSet ? node.selectionSet.selections : [];
  let deepest = 0;
  for (const selection of selections)
    deepest = Math.max(deepest, depthOf(selection, fragments, seen));
  return own + deepest;
}

export function depthLimit(maxDepth: number): ValidationRule {
  return (context: ValidationContext) => {
    const document = context.getDocument();
    const fragments = new Map<string, FragmentDefinitionNode>();
    for (const d of document.definitions)
      if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
    for (const d of document.definitions) {
      if (d.kind !== Kind.OPERATION_DEFINITION) continue;
      const depth = depthOf(d, fragments, new Set());
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
