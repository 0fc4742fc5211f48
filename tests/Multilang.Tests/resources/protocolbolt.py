"""A split bolt that uses the rest of the protocol: task ids of its emits, error, log and metrics."""

import multilang

seen = {"n": 0}


def process(conf, tup):
    seen["n"] += 1
    for word in tup["tuple"][0].split(" "):
        tasks = multilang.emit([word], anchors=[tup])
        if not isinstance(tasks, list) or len(tasks) != 1 or not isinstance(tasks[0], int):
            multilang.error("an emit to a fields grouping answered %r, not one task id" % (tasks,))
    if seen["n"] == 1:
        multilang.error("first tuple seen: %s" % tup["tuple"][0])
        multilang.log("log from python", 2)
        multilang.metric("words", {"n": 1})
    multilang.ack(tup)


multilang.run_bolt(process)
