"""A bolt that answers its first tuple with a command the protocol does not have, later ones properly."""

import os

import multilang


def process(conf, tup):
    marker = os.path.join(conf["multilang.test.marker.dir"], "unknown")
    if not os.path.exists(marker):
        open(marker, "w").close()
        multilang._write_message({"command": "explode", "id": tup["id"]})
        return
    for word in tup["tuple"][0].split(" "):
        multilang.emit([word], anchors=[tup], need_task_ids=False)
    multilang.ack(tup)


multilang.run_bolt(process)
