"""The domain's vocabulary, below every layer: caseapp, forms and workflows' callers import
it; it imports nothing of theirs."""
