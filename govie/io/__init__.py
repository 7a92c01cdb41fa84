"""Reading and writing documents: interchange JSONL, stand-off gold, annotation-tool formats."""
