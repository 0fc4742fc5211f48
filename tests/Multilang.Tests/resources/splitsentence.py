"""Splits each sentence into words, anchored to the sentence, then acks it.

conf "multilang.test.crash.every" N with "multilang.test.marker.dir" D: on the first sight of a sentence whose seq
is N - 1 modulo N, exit without answering (a crash). "multilang.test.hang.seq" S: on the first sight of seq S, stop
answering anything (a hang). "multilang.test.garbage.seq" S: on its first sight, write what is not JSON.
"""

import os
import sys
import time

import multilang


def first_sight(conf, kind, seq):
    marker = os.path.join(conf["multilang.test.marker.dir"], "%s-%d" % (kind, seq))
    if os.path.exists(marker):
        return False
    open(marker, "w").close()
    return True


def process(conf, tup):
    values = tup["tuple"]
    seq = values[1] if len(values) > 1 else -1
    every = conf.get("multilang.test.crash.every")
    if every and seq % every == every - 1 and first_sight(conf, "crash", seq):
        os._exit(3)
    if conf.get("multilang.test.hang.seq") == seq and first_sight(conf, "hang", seq):
        sys.stdout.flush()
        time.sleep(3600)
    if conf.get("multilang.test.garbage.seq") == seq and first_sight(conf, "garbage", seq):
        sys.stdout.write("this is not json\nend\n")
        sys.stdout.flush()
    for word in values[0].split(" "):
        multilang.emit([word], anchors=[tup], need_task_ids=False)
    multilang.ack(tup)


multilang.run_bolt(process)
