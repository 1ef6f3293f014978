"""The embedded builders: one module per XTREME task (or task family), each a
`builder(split, lang, **options) -> datasets.Dataset` that the registry's
`sources.embedded.builder` entries name. They render the world's datasets (`xworld.nli`,
`xworld.qa`, ...) into the columns of the real task, so the hub, local and embedded sources
of one task go through the same column mapping."""
