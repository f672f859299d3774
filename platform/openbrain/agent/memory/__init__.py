"""Session memory: facts on file (``facts``), the summary policy's prompt (``window``), one
summary step (``summarise``) and the offline model's recall (``offline_recall``).

Background compaction, which needs the model factory, is :mod:`openbrain.agent.compaction`.
"""
