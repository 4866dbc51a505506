"""A small warehouse that shows the lineage integration at work (``make demo``)."""
