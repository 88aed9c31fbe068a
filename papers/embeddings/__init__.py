"""Sentence embeddings of papers and queries; nothing heavy is imported until first use."""
