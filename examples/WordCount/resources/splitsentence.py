"""The word count's split bolt in Python: the same words as SplitSentenceBolt, each anchored to its sentence."""

import re

import multilang

SEPARATORS = re.compile(r"[ \t,.;:!?]+")


def process(conf, tup):
    for word in SEPARATORS.split(tup["tuple"][0]):
        if word:
            multilang.emit([word.lower()], anchors=[tup], need_task_ids=False)
    multilang.ack(tup)


multilang.run_bolt(process)
