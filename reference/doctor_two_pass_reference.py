"""Checks the hand-made case of Tests/ProbeDoctorTests/SuspectsLeftOutOfTheSecondPassTests.swift with cleanlab.

Run:  /work/venv-ref/bin/python reference/doctor_two_pass_reference.py

The same 62 rows, probabilities and neighbour lists as the Swift test's `scenario()`; confident learning
is cleanlab 2.9's `find_label_issues` (defaults), whose rules ProbeDoctor/ConfidentLearning.swift follows.
Pass 1 runs on 0.25 P + 0.75 S (S = the neighbours' label shares); pass 2 on 0.25 P + 0.75 S' where the
pass-1 suspects do not vote in S' (a row whose neighbours are all suspects keeps S). It prints the rows
each pass flags: the test expects 24..31, then 24..30 (and 24..30, then all but 25, with its
refitted classifiers).
"""
import numpy as np
from cleanlab.filter import find_label_issues

labels, p, neighbors = [], [], []
for i in range(24):
    labels.append(0); p.append([0.9, 0.1]); neighbors.append([(i + d) % 24 for d in range(1, 11)])
for i in range(24, 31):
    labels.append(1); p.append([0.9, 0.1]); neighbors.append(list(range(i - 24, i - 14)))
labels.append(0); p.append([0.3, 0.7]); neighbors.append(list(range(24, 31)) + [0, 1, 2])
for i in range(32, 62):
    labels.append(1); p.append([0.3, 0.7]); neighbors.append([32 + (i - 32 + d) % 30 for d in range(1, 9)] + [10, 11])
y, p = np.array(labels), np.array(p)


def shares(ignored=None):
    s = np.zeros((len(y), 2))
    for i, row in enumerate(neighbors):
        voters = [j for j in row if ignored is None or not ignored[j]] or row
        for j in voters:
            s[i, y[j]] += 1 / len(voters)
    return s


first = find_label_issues(y, 0.25 * p + 0.75 * shares())
print("pass 1 flags", np.flatnonzero(first).tolist())
second = find_label_issues(y, 0.25 * p + 0.75 * shares(first))
print("pass 2 flags", np.flatnonzero(second).tolist())
# The test's refitted classifiers: surer about rows 24..30 ([0.95, 0.05]), or less sure about row 25 ([0.6, 0.4]).
surer = p.copy()
surer[24:31] = [0.95, 0.05]
print("pass 2 flags, refitted surer", np.flatnonzero(find_label_issues(y, 0.25 * surer + 0.75 * shares(first))).tolist())
less_sure = p.copy()
less_sure[25] = [0.6, 0.4]
print("pass 2 flags, refitted less sure of row 25", np.flatnonzero(find_label_issues(y, 0.25 * less_sure + 0.75 * shares(first))).tolist())
