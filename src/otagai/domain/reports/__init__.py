"""援助活動報告書: the activity report of a match, drafted by the supporter after the start,
confirmed or disputed by the requester's household; its PDF; the coordinators' CSV."""
