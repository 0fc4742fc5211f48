"""Emits conf "multilang.test.sentences" sentences, each with its seq as its message id; replays what fails.

Sentence i has 1 + i % 8 words, word j being VOCABULARY[(7 * i + 3 * j) % 10]: the tests compute the same.
"""

import time

import multilang

VOCABULARY = ["storm", "tuple", "bolt", "spout", "acker", "nimbus", "worker", "stream", "the", "a"]
state = {"next": 0, "replay": [], "checked_task_ids": False}


def sentence(i):
    return " ".join(VOCABULARY[(7 * i + 3 * j) % 10] for j in range(1 + i % 8))


def next_tuple(conf):
    if state["replay"]:
        seq = state["replay"].pop(0)
    elif state["next"] < conf["multilang.test.sentences"]:
        seq = state["next"]
        state["next"] += 1
    else:
        time.sleep(0.001)
        return
    tasks = multilang.emit([sentence(seq), seq], id=seq)
    if not state["checked_task_ids"]:
        state["checked_task_ids"] = True
        if not isinstance(tasks, list) or not tasks:
            multilang.error("emit answered %r instead of a list of task ids" % (tasks,))


def on_fail(seq):
    state["replay"].append(seq)


def on_ack(seq):
    if seq == 0:
        multilang.log("first sentence acked")
        multilang.metric("acked.first", {"seq": seq})


multilang.run_spout(next_tuple, on_ack=on_ack, on_fail=on_fail)
