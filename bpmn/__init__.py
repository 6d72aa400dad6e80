"""Process files (BPMN 2.0 and DMN). A package only so installed copies can find them."""
