import itertools
import random

from sigap.lib import tracking


def test_a_new_number_has_the_prefix_two_groups_and_a_valid_check():
    number = tracking.generate("SKA")
    assert number.startswith("SKA-") and len(number) == len("SKA-XXXX-XXXX")
    assert tracking.normalize(number, "SKA") == number


def test_every_single_mistyped_character_is_caught():
    rng = random.Random(3)
    for _ in range(200):
        code = tracking.split(tracking.generate("SKA"), "SKA")
        i = rng.randrange(len(code))
        for c in tracking.ALPHABET:
            if c != code[i]:
                assert not tracking.is_valid(code[:i] + c + code[i + 1 :])


def test_every_swap_of_two_neighbours_is_caught():
    rng = random.Random(4)
    for _ in range(200):
        code = tracking.split(tracking.generate("SKA"), "SKA")
        for i in range(len(code) - 1):
            if code[i] != code[i + 1]:
                assert not tracking.is_valid(code[:i] + code[i + 1] + code[i] + code[i + 2 :])


def test_what_people_type_is_read_generously():
    number = tracking.format_number("SKA", "0000000" + tracking.check_char("0000000"))
    typed = number.lower().replace("-", " ").replace("0", "o")
    assert tracking.normalize(typed, "SKA") == number
    assert tracking.normalize(number.replace("SKA-", ""), "SKA") == number


def test_garbage_is_not_a_number():
    for typed in ["", "SKA", "SKA-1234", "SKA-!!!!-????", "x" * 500, "SKA-1234-5678-9"]:
        assert tracking.normalize(typed, "SKA") is None


def test_a_mistyped_number_is_offered_the_real_one():
    number = tracking.generate("SKA")
    code = tracking.split(number, "SKA")
    wrong = code[:2] + ("1" if code[2] != "1" else "2") + code[3:]
    assert number in tracking.near_misses(tracking.format_number("SKA", wrong), "SKA")


def test_the_alphabet_has_no_lookalike_letters():
    assert not set("ILOUZ") & set(tracking.ALPHABET)
    assert len(tracking.ALPHABET) == 31 and all(31 % n for n in range(2, 31))
    assert len(set(itertools.islice(tracking.ALPHABET, None))) == 31
