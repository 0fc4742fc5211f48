"""The benchmark's split bolt in Python: the same work as the C# SplitBolt (split on spaces), anchored, then acked."""

import multilang


def process(conf, tup):
    for word in tup["tuple"][0].split(" "):
        multilang.emit([word], anchors=[tup], need_task_ids=False)
    multilang.ack(tup)


multilang.run_bolt(process)
