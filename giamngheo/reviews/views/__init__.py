"""The review pages: dashboard, cycle, case (Phiếu B), requests, and printouts. Views are thin: parse →
access (selectors) → service → render."""
