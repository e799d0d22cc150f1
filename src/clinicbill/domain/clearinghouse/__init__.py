"""The clearinghouse round trip's billing rules: what an acknowledgement (TA1, 999, 277CA/277)
means for each claim of the batch it answers, and what an eligibility answer (271) says about a
policy. The files themselves are read and written in formats/ (x12_999, x12_277, x12_270,
x12_271, x12_276)."""
