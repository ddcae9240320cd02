"""Name pools of the synthetic municipality: people, streets, places and companies.

Pools are plain tuples; the generator draws indexes into them with numpy.
Surnames are written as people write them ("van der Meer") and split into
BRP's voorvoegsel and geslachtsnaam once, at import:

    >>> SURNAMES["nl"][1]
    ('', 'Jansen')
    >>> split_surname("in 't Veld")
    ("in 't", 'Veld')
"""

from __future__ import annotations

# Voorvoegsels as BRP keeps them apart from the geslachtsnaam; longest first so
# that "van der" wins over "van".
VOORVOEGSELS = (
    "van der",
    "van den",
    "van de",
    "van 't",
    "in 't",
    "op den",
    "op de",
    "ter",
    "ten",
    "van",
    "de",
    "den",
    "der",
    "te",
)


def split_surname(full: str) -> tuple[str, str]:
    """('van der', 'Meer') for 'van der Meer'; ('', 'Öztürk') when there is no voorvoegsel."""
    for prefix in VOORVOEGSELS:
        if full.startswith(prefix + " ") and len(full) > len(prefix) + 1:
            return prefix, full[len(prefix) + 1 :]
    return "", full


# Origins of households. Only used to draw coherent names within a household;
# nothing about origin is written to any extract.
ORIGINS = ("nl", "tr", "ma", "pl", "ro_bg", "sr", "other")
ORIGIN_WEIGHTS = (0.74, 0.06, 0.06, 0.04, 0.02, 0.03, 0.05)

_SURNAMES_TEXT = {
    # Roughly by frequency: the generator weights earlier names more.
    "nl": """de Jong, Jansen, de Vries, van den Berg, van Dijk, Bakker, Janssen, Visser, Smit,
        Meijer, de Boer, Mulder, de Groot, Bos, Vos, Peters, Hendriks, van Leeuwen, Dekker,
        Brouwer, de Wit, Dijkstra, Smits, de Graaf, van der Meer, van der Linden, Kok, Jacobs,
        de Haan, Vermeulen, van den Heuvel, van der Veen, van den Broek, de Bruijn, de Bruin,
        van der Heijden, Schouten, van Beek, Willems, van Vliet, van de Ven, Hoekstra, Maas,
        Verhoeven, Koster, van Dam, van der Wal, Prins, Blom, Huisman, Peeters, de Lange, Kuijpers,
        Kuipers, van Wijk, Postma, Meyer, Bijl, Wijnands, Wijnen, van Rijn, Rijnders, Reijnders,
        Bijlsma, Kramer, van der Velde, Koning, Scholten, van Doorn, Post, Vink, Martens, Jonker,
        van Rooij, Boon, Timmermans, Sanders, Franken, Gerritsen, Hermans, van Os, Hoogland,
        in 't Veld, op den Kamp, ter Horst, ten Brink, van 't Hof, van der Zee, de Ruiter,
        Evers, Molenaar, Boer, Goossens, Veenstra, Kamphuis, Lammers, Wouters, van Dongen,
        Bosman, Verbeek, van Veen, Mol, de Kok, van Loon, Hofman, Groen, Hoek, Verschuren,
        van Schaik, Zwart, Claassen, Driessen, van Hout, Baas, de Vos, Stam, Pronk, Rutten,
        Aarts, Kuiper, van Laar, Wolters, Verbruggen, Brinkman, Huijbregts, Schipper, Smeets,
        van Ham, de Ridder, Bouwman, Kroon, Dijkman, van Houten, Tijssen, Rijken, Keijzer,
        Snijders, Wijers, Ruijs, Lubbers, Nijhuis, Nijland, IJzerman, Geurts, Loman""",
    "tr": """Yılmaz, Kaya, Demir, Şahin, Çelik, Yıldız, Yıldırım, Öztürk, Aydın, Özdemir, Arslan,
        Doğan, Kılıç, Aslan, Çetin, Kara, Koç, Kurt, Özkan, Şimşek, Polat, Korkmaz, Güneş,
        Erdoğan, Aksoy, Turan, Ünal, Keskin""",
    "ma": """El Amrani, Benali, Bouzid, El Idrissi, Ouali, Amrani, Boukhari, El Hamdaoui, Aziz,
        Tahiri, Belhaj, Haddou, Azzouzi, El Khatib, Bakkali, Chaouch, Mansouri, Ait Taleb,
        Ziani, Akrouh, El Ouahabi, Bouchtaoui, Lahlali, Zaoui""",
    "pl": """Wiśniewski, Kowalski, Nowak, Lewandowski, Zieliński, Wójcik, Kamiński, Kowalczyk,
        Szymański, Woźniak, Dąbrowski, Kozłowski, Jankowski, Mazur, Krawczyk, Piotrowski,
        Grabowski, Pawłowski, Michalski, Król""",
    "ro_bg": """Popescu, Ionescu, Popa, Dumitru, Stan, Stoica, Gheorghe, Rusu, Munteanu, Matei,
        Dimitrov, Georgiev, Ivanov, Petrov, Nikolov, Todorov, Stoyanov, Hristov""",
    "sr": """Pinas, Sitaram, Ramdin, Biharie, Kromodimedjo, Soekhoe, Jagesar, Bhola, Karijo,
        Wongsodikromo, Ramsaran, Doelwijt, Lachmon, Tjon A Fong, Nerkust, Ramautar""",
    "other": """Nguyen, Tran, Le, Pham, Hoang, Haddad, Khalil, Mahmoud, Ahmadi, Hosseini, Rahimi,
        Tesfay, Gebremedhin, Singh, Kaur, Patel, Garcia, Rodriguez, Silva, Santos, Rossi,
        Müller, Schmidt, O'Brien, Dubois, Lefèvre, Al-Hassan, Núñez""",
}

_FIRST_NAMES_TEXT = {
    ("nl", "m"): """Jan, Pieter, Kees, Johannes, Hendrik, Willem, Gerrit, Cornelis, Jacobus,
        Petrus, Adrianus, Theodorus, Daan, Sem, Lucas, Levi, Noah, Finn, Bram, Thijs, Ruben,
        Jesse, Luuk, Milan, Stijn, Tim, Thomas, Mark, Dennis, Sander, Bas, Jeroen, Martijn, Rob,
        Erik, Peter, Hans, Gert, René, Joël, Raphaël, Noël, Wouter, Joost, Maarten, Frank,
        Arjen, Henk, Gijs, Koen, Teun, Jurriaan, Sjoerd, Wiebe, Ruud""",
    ("nl", "f"): """Anna, Maria, Johanna, Cornelia, Wilhelmina, Hendrika, Elisabeth, Sophie, Emma,
        Julia, Tess, Zoë, Chloë, Noor, Fleur, Sanne, Lotte, Eva, Anouk, Inge, Marieke, Ingrid,
        Mariëlle, Anaïs, Saar, Lieke, Femke, Linda, Petra, Monique, Esther, Ilse, Renée, Daphne,
        Noëlle, Ellen, Karin, Wendy, Kim, Iris, Anke, Marloes, Floor, Nienke, Gerda, Riet,
        Joke, Jolanda, Annemiek, Ineke""",
    ("tr", "m"): """Mehmet, Mustafa, Ahmet, Ali, Hüseyin, Hasan, İbrahim, Emre, Murat, Yusuf,
        Ömer, Burak, Kerem, Çağlar, Selim, Oğuz""",
    ("tr", "f"): """Ayşe, Fatma, Zeynep, Elif, Emine, Hatice, Merve, Büşra, Özlem, Gül, Şeyma,
        Derya, Esra, Gülşen""",
    ("ma", "m"): """Mohamed, Ahmed, Youssef, Mustapha, Abdel, Karim, Said, Rachid, Hamza, Bilal,
        Ayoub, Zakaria, Mohammed, Nordin""",
    ("ma", "f"): """Fatima, Khadija, Nadia, Samira, Naima, Malika, Soumaya, Yasmina, Hajar, Imane,
        Salma, Houda, Latifa, Siham""",
    ("pl", "m"): """Piotr, Tomasz, Krzysztof, Paweł, Michał, Łukasz, Marcin, Jakub, Andrzej,
        Grzegorz, Wojciech, Mateusz""",
    ("pl", "f"): """Agnieszka, Małgorzata, Katarzyna, Anna, Magdalena, Joanna, Ewa, Dorota,
        Monika, Żaneta, Beata, Aleksandra""",
    ("ro_bg", "m"): """Ion, Andrei, Mihai, Alexandru, Gheorghe, Vasile, Georgi, Dimitar, Ivan,
        Nikolai, Stefan, Bogdan""",
    ("ro_bg", "f"): """Maria, Elena, Ioana, Andreea, Mihaela, Ivana, Desislava, Petya, Raluca,
        Cristina, Gergana, Diana""",
    ("sr", "m"): """Ricardo, Romano, Anil, Ravi, Sunil, Marciano, Glenn, Orlando, Dinesh,
        Sandeep, Roy, Errol""",
    ("sr", "f"): """Shanti, Priya, Sharmila, Ingrid, Natasha, Sunita, Anjali, Melissa, Jennifer,
        Reshma, Giovanna, Sharon""",
    ("other", "m"): """Minh, Duc, Tuan, Ahmad, Omar, Tesfaye, Rahul, Carlos, Luca, Jürgen, Seán,
        José, François, Tarek""",
    ("other", "f"): """Linh, Mai, Lan, Leila, Mariam, Selam, Priyanka, Sofía, Giulia, Anaïs,
        Céline, Ines, Noura, Hélène""",
}


def _items(text: str) -> tuple[str, ...]:
    return tuple(item.strip() for item in text.replace("\n", " ").split(",") if item.strip())


SURNAMES: dict[str, tuple[tuple[str, str], ...]] = {
    origin: tuple(split_surname(name) for name in _items(text))
    for origin, text in _SURNAMES_TEXT.items()
}
FIRST_NAMES: dict[tuple[str, str], tuple[str, ...]] = {
    key: _items(text) for key, text in _FIRST_NAMES_TEXT.items()
}

# What clerks type instead of characters that are not on a Dutch keyboard.
PLAIN_LETTERS = {
    "á": "a", "à": "a", "â": "a", "ä": "a", "ą": "a", "ã": "a",
    "é": "e", "è": "e", "ê": "e", "ë": "e", "ę": "e",
    "í": "i", "ì": "i", "î": "i", "ï": "i", "ı": "i", "İ": "I",
    "ó": "o", "ò": "o", "ô": "o", "ö": "o", "ø": "o", "Ö": "O", "Ó": "O",
    "ú": "u", "ù": "u", "û": "u", "ü": "u", "Ü": "U",
    "ç": "c", "Ç": "C", "ć": "c", "ş": "s", "Ş": "S", "ś": "s", "Ś": "S",
    "ğ": "g", "ł": "l", "Ł": "L", "ń": "n", "ñ": "n", "ź": "z", "ż": "z", "Ż": "Z",
    "É": "E", "Ë": "E",
}  # fmt: skip

# ---------------------------------------------------------------------------
# Places and streets
# ---------------------------------------------------------------------------

GEMEENTECODE = "1999"  # not a real gemeentecode: the ids cannot clash with a real BAG
GEMEENTE = "Lindewaard"
KERNEN = (
    "Lindewaard",
    "Oosterhoven",
    "Westerveld",
    "Heerenbroek",
    "Nieuwdijk",
    "Ravensloot",
    "Sint Annaland aan de Eem",
    "Eemdorp",
    "Zandvoorde",
    "Hazelaar",
)

# Streets every kern has: a name that alone does not identify a street in the municipality.
COMMON_STREETS = (
    "Kerkstraat",
    "Dorpsstraat",
    "Molenweg",
    "Schoolstraat",
    "Stationsweg",
    "Hoofdstraat",
    "Markt",
    "Julianastraat",
)

# Street names real municipalities have and parsers trip over; the main kern has them all.
SPECIAL_STREETS = (
    "Plein 1945",
    "18 Septemberplein",
    "1e Jan van der Heijdenstraat",
    "2e Jan van der Heijdenstraat",
    "Rijksweg A20",
    "Burgemeester de Withstraat",
    "Sint Jansstraat",
    "Dokter Schaepmanstraat",
    "Van Goghstraat",
    "Koningin Wilhelminalaan",
    "Prins Bernhardsingel",
    "Oude Gracht",
    "Laan 1940-1945",
    "5 Meilaan",
    "1e Industrieweg",
    "Professor Lorentzkade",
    "Van der Helstplein",
    "Sint-Jorisweg",
)

_BASE_WORDS = _items(
    """Eiken, Beuken, Linden, Berken, Essen, Iepen, Populieren, Wilgen, Kastanje, Esdoorn,
    Platanen, Elzen, Hazelaar, Hulst, Taxus, Acacia, Magnolia, Meidoorn, Vlier, Lariks,
    Dennen, Sparren, Ceder, Walnoot, Rozen, Tulpen, Narcissen, Anjer, Lelie, Iris, Krokus,
    Hyacinten, Zonnebloem, Klaproos, Korenbloem, Madelief, Lavendel, Jasmijn, Seringen,
    Hortensia, Dahlia, Goudsbloem, Margriet, Boterbloem, Akelei, Sleutelbloem, Klaver, Heide,
    Merel, Lijster, Spreeuw, Vink, Mees, Kievit, Reiger, Zwaluw, Leeuwerik, Ekster, Specht,
    Uilen, Valken, Havik, Buizerd, Roodborst, Nachtegaal, Koekoek, Zwanen, Fuut, Meeuwen,
    Grutto, Wulp, Patrijs, Fazant, Pauw, Ooievaar, Kwartel, Rembrandt, Vermeer, Frans Hals,
    Mondriaan, Jan Steen, Ruysdael, Hobbema, Breitner, Israëls, Mesdag, Escher, Jongkind,
    Maris, Toorop, Pieter de Hooch, Paulus Potter, Jacob van Campen, Ferdinand Bol, Vondel,
    Bilderdijk, Multatuli, Hooft, Huygens, Cats, Bredero, Gorter, Couperus, Sweelinck, Erasmus,
    Spinoza, Thorbecke, Troelstra, Drees, Aletta Jacobs, Molen, Kerk, School, Station, Brink,
    Haven, Dijk, Hoeve, Smeden, Bakkers, Brouwers, Kuipers, Wevers, Schippers, Vissers,
    Boeren, Jagers, Rijn, Maas, IJssel, Waal, Lek, Vecht, Amstel, Dommel, Dinkel, Berkel,
    Eem, Linge, Amersfoort, Utrecht, Zwolle, Deventer, Arnhem, Nijmegen, Leiden, Delft,
    Haarlem, Gouda, Breda, Tilburg, Venlo, Assen, Groningen, Leeuwarden, Middelburg, Alkmaar,
    Hoorn, Enkhuizen, Kampen, Harderwijk, Zutphen, Doesburg, Texel, Vlieland, Terschelling,
    Ameland, Schiermonnikoog, Friesland, Drenthe, Zeeland, Brabant, Limburg, Gelderland,
    Saturnus, Jupiter, Mercurius, Venus, Pluto, Orion, Poolster, Zon, Maan, Aster, Gentiaan,
    Vlas, Tarwe, Rogge, Gerst, Haver, Hop, Wingerd, Appel, Peren, Kersen, Pruimen, Morel,
    Bramen, Hazel, Otter, Bever, Das, Vos, Hert, Ree, Haas, Egel, Eekhoorn, Wezel, Marter,
    Zilver, Goud, Koper, Tin, IJzer, Brons, Kobalt, Smaragd, Robijn, Saffier, Parel, Amber,
    Kwarts, Jade, Onyx, Diamant"""
)
_PEOPLE = _items(
    """Jansen, de Witt, van Heemstra, Roosmalen, Pijnacker, van Nispen, Kolff, Hamer,
    van Lidth de Jeude, Boogaard, de Kempenaer, Schimmelpenninck, van Hogendorp, Tromp,
    de Ruyter, Piet Hein, Van Speijk, Karel Doorman, Evertsen, Heemskerck, Nolens, Kuyper,
    Ariëns, Zamenhof, Lorentz, Kamerlingh Onnes, Zernike, Einthoven, Van 't Hoff, Buys Ballot,
    Dr. Plesman, Fokker, Koolhoven, Van Hall, Schouten, Abel Tasman, Barentsz, Van Linschoten,
    Colijn, Schaepman, Poels, Alfons Ariëns, Nuyens, Van Beuningen, Van Houten, Snouck,
    Willem Drees, Marga Klompé, Anne Frank, Annie M.G. Schmidt, Hannie Schaft, Titus Brandsma,
    Mgr. Nolens, Van Randwijck, Van Lynden, Gildemeester, Hofstede de Groot, Mesdag"""
)
_TITLES = ("Burgemeester", "Dokter", "Pastoor", "Professor", "Generaal", "Wethouder", "Meester")
_SAINTS = _items(
    """Jans, Joris, Anna, Pieters, Nicolaas, Maartens, Lambertus, Agatha, Servaas, Josephs,
    Bavo, Catharina, Willibrordus, Vitus, Jacobs, Barbara, Antonius, Ursula"""
)
_ADJECTIVES = ("Oude", "Nieuwe", "Korte", "Lange", "Hoge", "Lage", "Kleine", "Grote")
_SUFFIXES = (
    "straat",
    "laan",
    "weg",
    "plein",
    "singel",
    "kade",
    "hof",
    "pad",
    "dreef",
    "gracht",
    "park",
    "erf",
    "plantsoen",
    "dijk",
    "ring",
    "baan",
    "gaarde",
    "wal",
    "veld",
    "steeg",
)
# Suffixes that make a name with a person in it ("Rembrandtstraat", not "Rembrandthof").
_PERSON_SUFFIXES = ("straat", "laan", "weg", "plein", "singel", "kade", "park", "hof")


def _street_with_person(person: str, suffix: str) -> str:
    # Dutch writes "Frans Halsstraat" and "Van Goghstraat": the suffix is glued to the last word.
    person = person[0].upper() + person[1:]
    return f"{person}{suffix}"


def street_pool() -> tuple[str, ...]:
    """Every generated street name, in a fixed order (the generator shuffles with its seed).

    A loop over a few thousand names: small, and done once per run.
    """
    names: list[str] = []
    for word in _BASE_WORDS:
        for suffix in _SUFFIXES:
            names.append(f"{word}{suffix}")
    for person in _PEOPLE:
        for suffix in _PERSON_SUFFIXES:
            names.append(_street_with_person(person, suffix))
    for title in _TITLES:
        for surname in _items(_SURNAMES_TEXT["nl"])[:60]:
            vv, gn = split_surname(surname)
            person = f"{vv} {gn}" if vv else gn
            for suffix in ("straat", "laan", "weg", "plein"):
                names.append(f"{title} {person}{suffix}")
    for saint in _SAINTS:
        for suffix in ("straat", "laan", "weg", "plein", "steeg"):
            names.append(f"Sint {saint}{suffix}")
    for adjective in _ADJECTIVES:
        for word in _BASE_WORDS[:120]:
            for suffix in ("straat", "weg", "dijk"):
                names.append(f"{adjective} {word}{suffix}")
    specials = set(SPECIAL_STREETS) | set(COMMON_STREETS)
    return tuple(dict.fromkeys(n for n in names if n not in specials))


# ---------------------------------------------------------------------------
# Companies
# ---------------------------------------------------------------------------

# (trade word for the handelsnaam, SBI code, where it is usually established)
# where: "home" = often run from a dwelling, "business" = needs premises.
TRADES: tuple[tuple[str, str, str], ...] = (
    ("Bakkerij", "10711", "business"),
    ("Kapsalon", "96021", "business"),
    ("Barbershop", "96021", "business"),
    ("Nagelstudio", "96022", "home"),
    ("Klusbedrijf", "43999", "home"),
    ("Schildersbedrijf", "43341", "home"),
    ("Installatiebedrijf", "43221", "home"),
    ("Loodgietersbedrijf", "43221", "home"),
    ("Hoveniersbedrijf", "81301", "home"),
    ("Autobedrijf", "45112", "business"),
    ("Garage", "45204", "business"),
    ("Café", "56301", "business"),
    ("Eetcafé", "56101", "business"),
    ("Restaurant", "56101", "business"),
    ("Cafetaria", "56102", "business"),
    ("Snackbar", "56102", "business"),
    ("Pizzeria", "56102", "business"),
    ("Schoonmaakbedrijf", "81211", "home"),
    ("Transport", "49410", "home"),
    ("Koeriersdienst", "53202", "home"),
    ("Fotografie", "74201", "home"),
    ("Advies", "70221", "home"),
    ("Consultancy", "70221", "home"),
    ("ICT", "62020", "home"),
    ("Webdesign", "62010", "home"),
    ("Administratiekantoor", "69203", "home"),
    ("Belastingadvies", "69204", "business"),
    ("Tandartspraktijk", "86230", "business"),
    ("Fysiotherapie", "86912", "business"),
    ("Supermarkt", "47111", "business"),
    ("Slijterij", "47251", "business"),
    ("Belwinkel", "47421", "business"),
    ("Kledingwinkel", "47712", "business"),
    ("Bloemenwinkel", "47761", "business"),
    ("Juwelier", "47771", "business"),
    ("Autowasstraat", "45205", "business"),
    ("Massagesalon", "96040", "business"),
    ("Bouwbedrijf", "41201", "business"),
    ("Uitzendbureau", "78201", "business"),
    ("Beveiliging", "80101", "business"),
    ("Vastgoed", "68204", "home"),
    ("Holding", "64200", "home"),
    ("Import Export", "46900", "business"),
)
# Home care (thuiszorg-cluster rule): the SBI codes the rule looks for.
HOME_CARE_SBI = ("88101", "88102", "86942")
HOME_CARE_TRADES: tuple[tuple[str, str, str], ...] = (
    ("Thuiszorg", "88101", "home"),
    ("Zorg aan Huis", "88101", "home"),
    ("Zorgbureau", "88102", "home"),
    ("Begeleiding", "88102", "home"),
    ("Praktijk", "86942", "home"),
)
# Names that are not a person's: for horeca, and for other businesses.
FANCY_HORECA = _items(
    """De Gouden Leeuw, Het Wapen van Lindewaard, De Zwaan, De Kroon, Het Hoekje, De Molen,
    De Eendracht, De Vriendschap, Het Anker, De Ster, De Vergulde Hand, Sonnevelt, De Linde,
    Het Trefpunt, De Smidse, Het Centrum, De Poort, Bella Napoli, Istanbul, Marrakech,
    Anatolia, De Hoek, Het Pleintje, De Boerderij"""
)
FANCY_BUSINESS = _items(
    """Global, Prime, Euro, Royal, Delta, Nova, Quantum, Atlas, Phoenix, Zenith, Noord,
    Centrum, Lindewaard, Eemland, Horizon, Vista, Optima, Summit, Alfa, Trias"""
)
HORECA_TRADES = ("Café", "Eetcafé", "Restaurant", "Cafetaria", "Snackbar", "Pizzeria")
RECHTSVORMEN = (
    ("Eenmanszaak", 0.66),
    ("Besloten Vennootschap", 0.22),
    ("Vennootschap onder firma", 0.06),
    ("Stichting", 0.03),
    ("Commanditaire Vennootschap", 0.01),
    ("Vereniging", 0.01),
    ("Coöperatie", 0.01),
)
# What the legal form adds to a handelsnaam, when the owner chose to.
RECHTSVORM_SUFFIX = {
    "Besloten Vennootschap": " B.V.",
    "Vennootschap onder firma": " V.O.F.",
    "Commanditaire Vennootschap": " C.V.",
    "Coöperatie": " U.A.",
}
