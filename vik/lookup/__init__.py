"""Lookup (bevraging): look an address, person or company up for a stated purpose.

Step 1 says per source and per department only whether VIK holds something on the
subject (hit/no-hit); step 2 shows content, only from the sources the purpose covers and
only the purpose's columns. Both steps are written to the audit log with user, purpose,
reason and subject reference; a lookup never creates a flag.

    >>> purposes = load_purposes(Path("config"), context)
    >>> found = find_address(projection, "Kerkstr. 12a Amersfoort")
    >>> hits = hit_no_hit(session, projection, found.subject, request)
    >>> content = show_content(session, projection, found.subject, request)
"""
