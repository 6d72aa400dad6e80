"""Demo data. A package only so installed copies can find it."""
