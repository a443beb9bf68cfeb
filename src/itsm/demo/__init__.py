"""Demo data: the state described in the design note, for a first look at itsm."""
