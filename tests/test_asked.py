"""What a question asks for and whether a sentence carries it (no model, no index)."""

from __future__ import annotations

import pytest

from retrieval.asked import (
    AGENT,
    AMOUNT,
    DATE,
    NAME,
    PLACE,
    another_stage,
    asked,
    carries,
    frame_words,
    stages,
    value,
)
from retrieval.lexical import analyze


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("Combien reçoivent les IA clusters ?", AMOUNT),
        ("How much does France 2030 invest in AI?", AMOUNT),
        ("Quelle est la population de Villers-Cotterêts ?", AMOUNT),
        ("Quand le PEPR IA a-t-il été lancé ?", DATE),
        ("When was the call launched?", DATE),
        ("Où sera établi le siège de l'ALT-EDIC ?", PLACE),
        ("Where will ALT-EDIC be based?", PLACE),
        # « où en est » asks how far something has come, not where it is
        ("Où en est le partenariat d'innovation pour le cycle 3 ?", None),
        ("Où en sont les travaux du centre ?", None),
        ("Qui porte le projet PEP-BIOccIA ?", AGENT),
        ("Which company leads IA.rbre?", AGENT),
        ("Quel projet vise à cartographier les milieux naturels ?", NAME),
        ("Pourquoi la France investit-elle dans l'IA ?", None),
    ],
)
def test_the_asked_type_comes_from_the_question_words(question, kind):
    assert asked(question).kind == kind


def test_lists_and_extremes_are_recognised():
    assert asked("Quels sont les lauréats de l'appel à projets ?").many
    assert asked("Quel IA-cluster reçoit le plus ?").extreme == "max"
    assert asked("Which cluster gets the smallest amount?").extreme == "min"
    assert asked("Quel projet a le plus petit budget ?").extreme == "min"
    assert asked("Quelle est la plus faible dotation ?").extreme == "min"
    assert asked("Quel projet reçoit la plus grosse somme ?").extreme == "max"
    assert not asked("Qui coordonne le PEPR ?").many and asked("Qui coordonne le PEPR ?").extreme is None
    # "among the most…" describes a group: a list, no extreme row
    among = asked("Quels modèles parmi les plus puissants ont été entraînés en France ?")
    assert among.many and among.extreme is None
    assert asked("Which models among the largest were trained in France?").extreme is None


def test_a_count_needs_what_is_counted_and_money_needs_euros():
    students = asked("Combien d'étudiants compte l'Université Grenoble Alpes ?")
    assert students.of == {"etudi"}
    assert carries(students, "pour atteindre 3 500 étudiants par an")
    assert not carries(students, "EFELIA MIAI (6,4 M€) a pour ambition la sensibilisation")
    money = asked("Combien reçoivent les IA clusters ?")
    assert money.unit == "€"
    assert carries(money, "bénéficieront de 360 M€ de financement")
    assert not carries(money, "les neuf lauréats de l’AMI IA-clusters")
    # without a way to the dossier's French words, an English count keeps any number
    english = asked("How many PhD students will be hired?")
    assert english.kind == "amount" and not english.of and carries(english, "10 à 30 chaires")


def test_an_amount_spelt_with_an_elided_word_is_read_whole():
    """« 45 millions d’euros » is money (the apostrophe ended the amount at « d »), and « 1
    milliard d’opérations » a count of operations."""
    money = asked("Combien d'argent a déjà été accordé aux projets du PEPR IA ?")
    assert carries(money, "45 millions d’euros ont déjà été accordés pour neuf projets")
    operations = asked("Combien d'opérations par seconde ?")
    assert carries(operations, "plus d’1 milliard d’opérations par seconde")
    assert not carries(operations, "1 milliard de calculs")


def test_a_count_of_anything_but_money_asks_that_count():
    """« Sur combien d'années s'étale l'enveloppe… » counts years, though « enveloppe » is money."""
    years = asked("Sur combien d'années s'étale l'enveloppe globale du plan ?")
    assert years.unit is None and years.of == set(analyze("années"))
    assert carries(years, "54 Mds€ sont investis sur cinq années")
    assert not carries(years, "54 Mds€ sont investis")
    for question in ("Combien de milliards d'euros sont investis ?", "Combien d'argent reçoivent-ils ?"):
        assert asked(question).unit == "€"


def test_an_english_count_is_read_in_the_dossiers_words():
    seen: list[list[str]] = []

    def french(words: list[str]) -> list[str]:
        seen.append(words)
        return [{"students": "etudi"}[w] for w in words if w == "students"]

    students = asked("How many PhD students will be hired?", french)
    # what is counted is the last word before the verb: a modifier is no count of its own
    assert seen == [["students"]] and students.of == {"etudi"}
    assert carries(students, "pour atteindre 3 500 étudiants par an")
    assert not carries(students, "cofinancement de cinq Testing & Experimentation Facilities")
    seen.clear()
    asked("How many research teams are mobilised?", french)
    assert seen == [["teams"]]
    # an acronym is a modifier, not the French stopword « ai »
    seen.clear()
    asked("How many generative AI startups does France have?", french)
    assert seen == [["startups"]]
    # occurrences and rates count what the question names elsewhere: any number answers
    seen.clear()
    assert not asked("How many times has scikit-learn been downloaded?", french).of
    assert not asked("And how many per month?", french).of and seen == []
    # a French question never asks for a translation
    asked("Combien d'étudiants compte l'Université Grenoble Alpes ?", french)
    assert seen == []


def test_a_year_that_ends_a_name_is_no_date():
    when = asked("Quand aura lieu la première campagne d'évaluation ?")
    assert not carries(when, "Lancé dans le cadre de France 2030, le Grand challenge")
    assert not carries(when, "l’entreprise « French Tech 2030 » LightOn")
    assert carries(when, "lancé le 25 mars 2024")
    assert carries(when, "La relève aura lieu le 2 juillet 2024.")


def test_a_name_the_question_already_gives_is_no_answer():
    who = asked("Qui porte le projet de l'institut PRAIRIE ?")
    assert not carries(who, "l’institut PRAIRIE propose une massification")
    assert carries(who, "porté par Sorbonne Université")
    where = asked("Où sera le siège de l'ALT-EDIC ?")
    assert carries(where, "dont le siège social sera établi à Villers-Cotterêts")
    assert not carries(where, "le centre d’expertise de l’ALT-EDIC apportera un appui")


def test_untyped_questions_are_carried_by_anything():
    assert carries(asked("Pourquoi l'IA frugale ?"), "n'importe quelle phrase")


@pytest.mark.parametrize(
    ("text", "euros"),
    [
        ("MIAI Cluster – 70 M€", 70e6),
        ("ADOPT’IA (1,1 M€)", 1.1e6),
        ("3,2 Mds€ levés", 3.2e9),
        ("45 millions d’euros ont déjà été accordés", 45e6),
        ("45 millions d'euros", 45e6),
        ("sans montant", None),
    ],
)
def test_amounts_in_euros_compare(text, euros):
    assert value(text) == (pytest.approx(euros) if euros else None)


def test_a_place_follows_a_preposition_of_place_and_is_no_acronym():
    where = asked("In which city will the first general assembly of ALT-EDIC take place?")
    assert carries(where, "dont le siège social sera établi à Villers-Cotterêts")
    assert carries(where, "ANITI IA Cluster (Université de Toulouse) – 20 M€")
    assert not carries(where, "Le centre d’expertise de l’ALT-EDIC apportera un appui en IA générative")


def test_a_year_after_a_word_of_time_is_a_date():
    since = asked("Depuis quand le Président porte-t-il une politique en faveur de l'IA ?")
    assert carries(since, "Depuis 2017, le Président de la République porte une politique ambitieuse")
    assert carries(since, "En 2023, un nouvel axe de la SNIA dédié à l’IA générative a été lancé")
    assert carries(since, "elle sera ouverte aux premiers utilisateurs dans les semaines qui viennent")
    assert not carries(since, "Dès lors, France 2030 soutient la recherche")


def test_a_date_of_an_event_is_a_date_of_that_event():
    closing = asked("Quelle est la date de clôture de l'appel à projets sur l'offre de cloud ?")
    assert closing.kind == "date" and "clotur" in closing.of
    assert carries(closing, "La clôture de l'appel est fixée au 2 juillet 2024.")
    assert not carries(closing, "un nouveau dispositif lancé le 5 avril 2024")
    # a deadline, in English or French, is given in any of a call's words for it
    for question in ("When is the deadline of the call?", "Quand se clôturera l'appel ?", closing):
        deadline = asked(question) if isinstance(question, str) else question
        assert carries(deadline, "La relève aura lieu le 2 juillet 2024."), question
        assert not carries(deadline, "un nouveau dispositif lancé le 5 avril 2024"), question
    assert asked("Quelle est la date de lancement du PEPR ?").of == {"lanc"}
    # « quelle date », « quand » name no event: any date answers
    launched = asked("À quelle date l'appel a-t-il été lancé ?")
    assert launched.kind == "date" and not launched.of
    assert carries(launched, "un nouveau dispositif lancé le 5 avril 2024")


def test_taking_part_asks_no_share():
    assert asked("Quelle part des startups en IA sont rentables ?").unit == "%"
    assert asked("What share of downloads comes from abroad?").unit == "%"
    teams = asked("How many research teams take part in the PEPR AI?")
    assert teams.kind == "amount" and teams.unit is None
    assert carries(teams, "50 équipes de recherche sont mobilisés")


def test_what_is_counted_follows_de_and_europe_is_no_euro():
    # "Combien France 2030 apporte-t-il…" counts nothing in particular: any amount answers
    assert asked("Combien France 2030 apporte-t-il pour Jean Zay ?").unit is None
    assert asked("Combien de Facilities sont cofinancées dans le cadre de Digital Europe ?").unit != "€"
    # a number in a sentence that names what is counted answers
    grants = asked("De combien ANITI veut-il augmenter le nombre de bourses de master ?")
    assert grants.of == {"bours"}
    assert carries(grants, "augmenter le nombre de bourses de master de 10 à 30.")
    assert not carries(grants, "augmenter le nombre de chaires de 10 à 30.")
    # …but not a number that counts (or prices) something of its own
    students = asked("Combien d'étudiants compte l'école Aivancity ?")
    assert not carries(
        students, "(lycéens, collectivités, étudiants) avec un objectif de 5 millions de vues."
    )
    assert not carries(students, "Le projet Sorbonne.AI (7 M€) initiera des étudiants non spécialistes")
    assert not carries(students, "sensibiliser au moins 50% des étudiants de l’académie")
    assert carries(students, "former des étudiants : de 200 à 2 000 par an")
    # a year's words are read again: « France 2030 sur cinq années » counts years
    assert carries(asked("Sur combien d'années ?"), "360 M€ de financement de France 2030 sur cinq années.")
    # a measure is answered in other words
    assert carries(asked("Combien de temps a duré l'entraînement ?"), "pendant 3,5 mois")
    assert carries(asked("Combien d'opérations par seconde ?"), "un milliard de milliards d’opérations")


def test_digits_glued_to_letters_are_a_name_and_a_rank_is_a_number():
    students = asked("Combien d'étudiants compte l'Université Grenoble Alpes ?")
    # « 3IA » and « H100 » name things: no count of students in this sentence
    assert not carries(
        students, "la dynamique créée par le 3IA MIAI, qui a doublé le nombre d'étudiants formés"
    )
    assert not carries(asked("Combien de GPU compte Jean Zay ?"), "des GPU H100 de dernière génération")
    assert carries(students, "le 3IA MIAI forme 2 000 étudiants")
    assert carries(asked("Quel est le rang de HEC Paris ?"), "HEC Paris, 1ère école de commerce en France")


def test_a_population_is_a_count_of_inhabitants_and_number_words_are_whole_words():
    population = asked("Quelle est la population de Villers-Cotterêts ?")
    # « centre » holds no « cent »: the sentence naming the town carries no count
    assert not carries(population, "les services du futur centre d'expertise, à Villers-Cotterêts")
    assert carries(population, "la ville compte 10 000 habitants")
    assert asked("Quel est le salaire moyen d'un data scientist ?").unit == "€"
    assert asked("Quelle est la date de clôture de l'appel à projets ?").kind == "date"


def test_a_seat_is_asked_by_its_verb_and_answered_by_a_word_of_seat():
    based = asked("Where will ALT-EDIC be based?")
    assert based.kind == PLACE and based.seat
    # where something happened is no seat; where it is established is
    assert not carries(based, "Le 8 mars 2024, à Paris, s'est tenue la première assemblée générale")
    assert carries(based, "dont le siège social sera établi à Villers-Cotterêts")
    assert asked("Où sera implanté le supercalculateur ?").seat
    # a place asked otherwise takes any place, and « établissement » is no seat
    held = asked("Where was the first general assembly held?")
    assert not held.seat and carries(held, "Le 8 mars 2024, à Paris, s'est tenue la première assemblée")
    assert not asked("Dans quelle ville se trouve l'établissement ?").seat


def test_only_english_seat_verbs_are_frame_words():
    # "based" would be brought to « bases » (de données); « siège » is the dossier's own word
    assert frame_words("Where will ALT-EDIC be based?") == ["based"]
    assert frame_words("In which city is Giskard headquartered?") == ["headquartered"]
    assert frame_words("Où sera établi le siège social de l'ALT-EDIC ?") == []
    assert frame_words("Which projects are based on open source?") == []  # no place asked


def test_a_superlatives_words_are_frame_words_in_either_language():
    """« la plus grosse dotation » asks for the largest amount: « plus » says so and is no topic
    (« De plus, des bourses… »); « parmi les plus puissants » describes a group."""
    assert frame_words("Quel dispositif reçoit la plus grosse dotation ?") == ["plus"]
    assert frame_words("Quel projet a le plus petit budget ?") == ["plus", "petit"]
    assert frame_words("Quel IA-cluster est le moins bien doté ?") == ["moins"]
    assert frame_words("Which AI cluster gets the biggest grant?") == ["biggest"]
    assert frame_words("Quels modèles parmi les plus puissants ont été entraînés en France ?") == []
    assert frame_words("Combien de projets, plus de 200 ?") == []


def test_a_post_asked_for_is_answered_by_a_name_beside_a_title():
    for question in (
        "Qui est la ministre de la Culture ?",
        "Who heads the CNRS?",
        "Qui dirige l'institut PRAIRIE ?",
        "Who is the economy and finance minister?",
        "Qui occupe le poste de ministre du Travail ?",
    ):
        assert asked(question).person, question
    # the post is not what is asked, or an organisation is asked by its kind
    assert not asked("Who runs France 2030 on behalf of the Prime Minister?").person
    assert not asked("Quel organisme dirige le PEPR IA ?").person
    assert not asked("Qui porte le projet PREVIZO ?").person
    culture = asked("Qui est la ministre de la Culture ?")
    assert carries(culture, "Rachida Dati\nMinistre de la Culture")
    assert carries(culture, "Bruno Le Maire, ministre de l'Économie")
    # organisations and titles alone are no person, whatever their capitals
    assert not carries(culture, "La ministre de la Culture a lancé le projet avec Hugging Face et La Poste.")
    assert not carries(culture, "Ministre de la Culture")


def test_a_day_of_a_month_and_a_year_before_words_are_no_count():
    teams = asked("Combien d'équipes de recherche sont mobilisées ?")
    assert not carries(
        teams, "le dispositif « programme et équipement de recherche », lancé le 25 mars 2024 dans le cadre"
    )
    assert carries(teams, "50 équipes de recherche sont mobilisés pendant 5 ans")


def test_a_valuation_a_price_or_a_cost_asks_for_euros():
    for question in (
        "What is Mistral AI's valuation?",
        "What is the price of an hour on Jean Zay?",
        "How much money did Photoroom raise?",
        "What does the extension cost?",
        "Combien Hugging Face a-t-il levé ?",
        "Combien d'argent les startups ont-elles levé en 2023 ?",
    ):
        want = asked(question)
        assert want.kind == "amount" and want.unit == "€", question
    assert not carries(asked("What is Mistral AI's valuation?"), "Llama 2, Llama 3, Mistral Large…")
    assert not carries(asked("Combien Hugging Face a-t-il levé ?"), "1,5 milliards de téléchargements")
    # lifting is no money (« relever les défis »)
    assert asked("Combien de défis faut-il relever ?").unit is None


def test_money_raised_is_money_of_a_raising():
    """The answerer quotes raised money only from a sentence that says it was raised (see
    test_answers.py); « le plus élevé » holds no « levé »."""
    raised = set(analyze("3,2 Mds€ levés en 2022 par des entreprises de l’IA"))
    for question in (
        "Combien Hugging Face a-t-il levé ?",
        "Quel montant la startup a-t-elle levé lors de sa levée de fonds ?",
        "How much did Hugging Face raise?",
        "How much money did the startup raise?",
    ):
        want = asked(question)
        assert want.unit == "€" and want.of and want.of <= raised, question
    for question in (
        "Quel est le budget de DeepGreen ?",
        "Quel IA-cluster reçoit le montant le plus élevé ?",
    ):
        want = asked(question)
        assert want.unit == "€" and not want.of, question


def test_a_share_asks_for_a_percentage_or_a_fraction_not_any_amount():
    want = asked("Quelle part des collégiens de l'académie le projet veut-il sensibiliser ?")
    assert want.kind == "amount" and want.unit == "%"
    assert carries(want, "le projet vise à sensibiliser au moins 50% des élèves de collège")
    assert carries(
        asked("Quelle proportion des États membres participe ?"), "plus de la moitié des États membres"
    )
    assert carries(asked("What share of the downloads comes from abroad?"), "dont 97% en dehors de la France")
    assert not carries(want, "EFELIA MIAI (6,4 M€) a pour ambition la sensibilisation du grand public")


def test_a_stage_is_read_in_either_language_and_another_answers_nothing():
    assert stages("Quand la phase 2 de la SNIA a-t-elle été lancée ?") == {("phase", 2)}
    assert stages("the second phase of France's AI strategy") == {("phase", 2)}
    # a step is a phase, a wave a round; years are no stage
    assert stages("La première étape du programme est-elle payante ?") == {("phase", 1)}
    assert stages("in the second round, as in la vague 2") == {("vague", 2)}
    assert stages("lors de la phase 2022") == frozenset()
    second = asked("Quand la phase 2 de la SNIA a-t-elle été lancée ?")
    assert another_stage(second, "La première phase de la SNIA, lancée en 2018, a permis…")
    # a sentence naming the stage asked answers, even beside another; other kinds of stage don't count
    assert not another_stage(second, "La phase 2, lancée en 2022, succède à la première phase.")
    assert not another_stage(second, "issus de la deuxième saison de l'appel")
    assert not another_stage(
        asked("Quand la SNIA a-t-elle été lancée ?"), "La première phase, lancée en 2018"
    )
