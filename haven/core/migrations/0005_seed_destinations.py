# Seed destinations from the research file shared/reference/stay_rules.yaml (policy_note
# records de-section22-humanitarian-visa, de-asylum-deserters, pl-baltics-entry-ban-2022,
# baltics-finland-refusals-2022, be-visa-stance, us-asylum-presence,
# us-humanitarian-parole-and-visa-posts). Every source below is cited there; statements the
# research could not confirm say "source needed". last_verified stays empty: staff have not
# verified these notes yet, so every destination starts flagged for verification.

from django.db import migrations

RESEARCH = (
    "Seeded from Haven's research file (records checked against stored copies of their "
    "sources on 24 Nov 2026). Not yet verified by staff: check the sources before advising "
    "anyone."
)

ENTRY_BAN = (
    "Since 19 Sep 2022 Latvia, Lithuania, Estonia and Poland refuse entry to Russians holding "
    "Schengen visas (issued by any state) for tourism, business, sport or culture. Exceptions: "
    "dissidents, humanitarian cases, family members, residence-permit holders, transport "
    "workers, diplomats, Kaliningrad transit."
)

ENTRY_BAN_SOURCES = [
    (
        "https://tass.com/politics/1504883",
        "Poland and Baltic states agreed on restrictions for Russians entering Schengen area "
        "(joint statement)",
        "TASS",
        "2022-09-08",
    ),
    (
        "https://euromaidanpress.com/2022/09/19/poland-baltic-countries-ban-entry-for-most-"
        "russians-with-eu-visas/",
        "Poland, Baltic countries ban entry for most Russians with EU visas",
        "Euromaidan Press (RFE/RL)",
        "2022-09-19",
    ),
]

BALTIC_LATER = "Current practice after September 2022: source needed."

DESTINATIONS = [
    {
        "code": "DE",
        "name": "Germany",
        "confidence": "medium",
        "notes": [
            "Humanitarian visa (§ 22 sentence 2 Residence Act, admission in Germany's political "
            "interest): used since May 2022 for individually endangered Russian journalists, "
            "human-rights defenders, opposition members and people labelled 'foreign agents'; "
            "German missions outside Russia issue the visa too. 1,790 Russians received such a "
            "residence title from 24 Feb 2022 to 31 Jul 2025 (Bundestag printed paper 21/1353). "
            "Not a route for people whose only ground is avoiding the draft.",
            "On 28 Jul 2025 the Federal Interior Ministry suspended all humanitarian admission "
            "procedures. Reports that individual § 22 admissions resumed in mid-August 2025, "
            "with old applications stalled, are unconfirmed: source needed.",
            "Asylum cannot be applied for from abroad. Interior Minister Faeser (22 Sep 2022): "
            "deserters threatened with severe repression 'as a rule' receive international "
            "protection, case by case with a security check. Practice towards draft evaders "
            "(not deserters) is restrictive: the protection rate for military-age Russian men "
            "fell from 37 % (to mid-2023) to 11 % (Sep 2023 to Sep 2024), and more than half "
            "of the decisions were Dublin or other settlements. Courts differ: VG Berlin "
            "(20 Jan 2025, VG 33 K 504/24 A, 33 K 519/24 A) granted subsidiary protection to "
            "men at risk of conscription; OVG Berlin-Brandenburg (22 Aug 2024, 12 B 17/23) was "
            "more restrictive.",
        ],
        "sources": [
            (
                "https://www.naanoo.com/nachrichten/bundesregierung-legt-kriterien-fuer-aufnahme-"
                "von-putin-gegnern-fest",
                "Bundesregierung legt Kriterien für Aufnahme von Putin-Gegnern fest",
                "dts via naanoo",
                "2022-05",
            ),
            (
                "https://www.bundestag.de/presse/hib/kurzmeldungen-1106762",
                "Aufnahmen zur Wahrung politischer Interessen Deutschlands",
                "Deutscher Bundestag (hib)",
                "2025-09",
            ),
            (
                "https://www.proasyl.de/pressemitteilung/64691",
                "Pressestatement: BMI stoppt Aufnahmen nach § 22",
                "PRO ASYL",
                "2025-07-29",
            ),
            (
                "https://www.spiegel.de/ausland/russland-ukraine-krieg-eu-diskutiert-ueber-"
                "umgang-mit-russischen-kriegsdienstverweigerern-a-20e39131-6031-4d72-ab54-"
                "066a9ef0129a",
                "EU diskutiert über Umgang mit russischen Kriegsdienstverweigerern",
                "Der Spiegel",
                "2022-09-22",
            ),
            (
                "https://www.dailynewsen.com/politics/when-fleeing-to-germany-deserters-from-"
                "russia-usually-receive-protection-h76575.html",
                "When fleeing to Germany: deserters from Russia usually receive protection "
                "(BAMF)",
                "dailynewsen (dpa)",
                "2022-10",
            ),
            (
                "https://verfassungsblog.de/?p=89961",
                "Asyl für russische Kriegsdienstverweigerer",
                "Verfassungsblog",
                "2025-02-05",
            ),
            (
                "https://www.volksstimme.de/panorama/gericht-russische-wehrdienstpflichtige-"
                "haben-schutzanspruch-3991962",
                "Gericht: Russische Wehrdienstpflichtige haben Schutzanspruch",
                "Volksstimme (dpa)",
                "2025-01",
            ),
            (
                "https://gerichtsentscheidungen.brandenburg.de/gerichtsentscheidung/25177",
                "OVG Berlin-Brandenburg 12 B 17/23",
                "Land Brandenburg",
                "2024-08-22",
            ),
        ],
    },
    {
        "code": "LV",
        "name": "Latvia",
        "confidence": "high",
        "notes": [
            "21 Sep 2022, Foreign Minister Rinkēvičs: Latvia will not issue humanitarian or "
            "other visas to Russians evading mobilisation.",
            ENTRY_BAN,
            BALTIC_LATER,
        ],
        "sources": [
            (
                "https://novayagazeta.eu/articles/2022/09/21/latvia-will-not-issue-"
                "humanitarian-visas-to-russians-evading-mobilisation-news",
                "Latvia will not issue humanitarian visas to Russians evading mobilisation",
                "Novaya Gazeta Europe",
                "2022-09-21",
            ),
            *ENTRY_BAN_SOURCES,
        ],
    },
    {
        "code": "LT",
        "name": "Lithuania",
        "confidence": "high",
        "notes": [
            "21-22 Sep 2022, Foreign Minister Landsbergis and Defence Minister Anušauskas: "
            "being called up is not in itself grounds for asylum in Lithuania; cases of "
            "persecution are considered.",
            ENTRY_BAN,
            BALTIC_LATER,
        ],
        "sources": [
            (
                "https://www.lrt.lt/en/news-in-english/19/1784992/russian-army-call-up-won-t-"
                "be-enough-to-get-asylum-in-lithuania-minister",
                "Russian army call-up won't be enough to get asylum in Lithuania - minister",
                "LRT",
                "2022-09-22",
            ),
            *ENTRY_BAN_SOURCES,
        ],
    },
    {
        "code": "EE",
        "name": "Estonia",
        "confidence": "high",
        "notes": [
            "21 Sep 2022, Prime Minister Kallas and Foreign Minister Reinsalu: evading "
            "mobilisation is not a basis for asylum. The Interior Ministry: mobilisation is not "
            "a valid reason to enter Estonia, but international protection can be applied for.",
            ENTRY_BAN,
            BALTIC_LATER,
        ],
        "sources": [
            (
                "https://news.err.ee/1608950720/estonia-will-not-allow-russians-fleeing-"
                "mobilization-to-cross-border",
                "Estonia will not allow Russians fleeing mobilization to cross border",
                "ERR",
                "2022-09",
            ),
            *ENTRY_BAN_SOURCES,
        ],
    },
    {
        "code": "BE",
        "name": "Belgium",
        "confidence": "medium",
        "notes": [
            "From 1 Jul 2022 the Belgian embassy in Moscow stopped considering short-stay "
            "(under 90 days) visa applications; priority went to professionals, students, "
            "researchers, family members and au pairs.",
            "23 Sep 2022, Prime Minister De Croo: Belgium gives almost no visas to Russians, "
            "only for humanitarian reasons, and will not necessarily give visas to deserters; "
            "he wanted an EU position. Asylum can still be requested in Belgium.",
            "Current practice after September 2022: source needed.",
        ],
        "sources": [
            (
                "https://www.belganewsagency.eu/russias-war-in-ukraine-hinders-how-belgium-and-"
                "eu-member-states-receive-russians",
                "Russia's war in Ukraine hinders how Belgium and EU Member States receive "
                "Russians",
                "Belga News Agency",
                "2022-08",
            ),
            (
                "https://www.nieuwsblad.be/cnt/dmf20220923_96580606",
                "België gaat niet meteen visa uitreiken aan Russische deserteurs",
                "Het Nieuwsblad",
                "2022-09-23",
            ),
        ],
    },
    {
        "code": "US",
        "name": "United States",
        "confidence": "medium",
        "notes": [
            "Asylum can only be requested when physically present in the United States or at "
            "a port of entry; US embassies and consulates cannot grant asylum. File within one "
            "year of the last arrival (exceptions for changed or extraordinary circumstances).",
            "At the southern border: Proclamation 10888 of 20 Jan 2025 suspends entry and "
            "access to asylum for people crossing it, and CBP One scheduling ended on 20 Jan "
            "2025; before that the Circumvention of Lawful Pathways rule (entries 11 May 2023 "
            "to 11 May 2025) and the June 2024 'Securing the Border' proclamation and rule. "
            "Litigation status as of November 2026 not verified.",
            "Humanitarian parole (INA 212(d)(5)): discretionary and temporary, requested on "
            "Form I-131 (with Form I-134, financial support) for urgent humanitarian reasons or "
            "significant public benefit; it is not an immigration status. Other parole "
            "programmes: source needed.",
            "Visas: Russian immigrant visas are processed at the US Embassy in Warsaw (since "
            "October 2021); IR-5 cases (parents of US citizens) also in Almaty and Tashkent "
            "since 16 Feb 2023; non-immigrant visas at any post that gives an appointment; "
            "applicants legally present in a third country may ask to be processed there.",
        ],
        "sources": [
            (
                "https://diplopundit.net/2018/10/30/usg-sends-5200-armed-troops-to-border-"
                "against-purported-migrant-invasion-a-week-before-elections/",
                "Quotes 2 FAM 220 and USCIS on where asylum can be requested",
                "Diplopundit",
                "2018-10-30",
            ),
            (
                "https://immigrationequality.org/asylum-manual/immigration-basics-the-one-year-"
                "filing-deadline",
                "The One-Year Filing Deadline",
                "Immigration Equality",
                "",
            ),
            (
                "https://regulations.justia.com/regulations/fedreg/2023/05/16/2023-10146.html",
                "Circumvention of Lawful Pathways (88 FR 31314)",
                "Federal Register via Justia",
                "2023-05-16",
            ),
            (
                "https://www.everycrsreport.com/reports/LSB11178.html",
                "The Biden Administration's June 2024 Proclamation and Rule, Securing the Border",
                "Congressional Research Service",
                "2024-06-12",
            ),
            (
                "https://regulations.justia.com/regulations/fedreg/2025/01/29/2025-01951.html",
                "Proclamation 10888: Guaranteeing the States Protection Against Invasion",
                "Federal Register via Justia",
                "2025-01-29",
            ),
            (
                "https://www.nbcchicago.com/news/politics/what-is-cbp-one-border-app-shut-down-"
                "by-trump-administration/3651334/",
                "CBP One app shut down",
                "NBC Chicago (AP)",
                "2025-01-20",
            ),
            (
                "https://legalclarity.org/i-131-humanitarian-parole-eligibility-and-application",
                "I-131 Humanitarian Parole: Eligibility and Application",
                "LegalClarity",
                "",
            ),
            (
                "https://ru.usembassy.gov/visas/immigrant-visas-2/",
                "Immigrant Visas",
                "U.S. Embassy in Russia",
                "2023",
            ),
            (
                "https://www.gtlaw-insidebusinessimmigration.com/visas/tashkent-and-almaty-"
                "added-as-processing-posts-for-russian-ir-5-cases/",
                "Tashkent and Almaty added as processing posts for Russian IR-5 cases",
                "Greenberg Traurig",
                "2023-02",
            ),
        ],
    },
]


def seed(apps, schema_editor):
    Destination = apps.get_model("core", "Destination")
    DestinationSource = apps.get_model("core", "DestinationSource")
    for data in DESTINATIONS:
        destination, created = Destination.objects.get_or_create(
            code=data["code"],
            defaults={
                "name": data["name"],
                "confidence": data["confidence"],
                "policy_notes": "\n\n".join([*data["notes"], RESEARCH]),
                "last_verified": None,
            },
        )
        if not created:
            continue  # an admin's edits win over the seed
        for url, title, publisher, published in data["sources"]:
            DestinationSource.objects.create(
                destination=destination,
                url=url,
                title=title,
                publisher=publisher,
                published=published,
            )


def unseed(apps, schema_editor):
    Destination = apps.get_model("core", "Destination")
    Destination.objects.filter(
        code__in=[data["code"] for data in DESTINATIONS], last_verified__isnull=True
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0004_legal_documents_clock_pathways"),
    ]

    operations = [migrations.RunPython(seed, unseed)]
