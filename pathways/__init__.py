"""Patient pathways, their steps across sectors, and the problems found in them."""
