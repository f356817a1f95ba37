using PolicyTracker.Contracts.Tracker;

namespace PolicyTracker.Ingestion.Tests.Support;

/// <summary>The essay's predictions as the Tracker's catalog describes them (ids, titles, tags and search terms of its seed).</summary>
public static class EssayCatalog
{
    public static readonly IReadOnlyList<PredictionCatalogEntry> Predictions =
    [
        Entry("sanctions-relief", "Western sanctions on Russia substantially eased", ["sanctions", "ukraine", "us-russia"], ["sanctions", "sanctions relief", "lift sanctions", "ease sanctions", "CAATSA", "OFAC", "SDN list", "sectoral sanctions", "EU sanctions renewal"]),
        Entry("minsk-elections", "Minsk II elections held in Donetsk and Luhansk", ["ukraine", "minsk", "donbas"], ["Minsk II", "Minsk agreement", "Donbas elections", "Donetsk", "Luhansk", "special status", "Steinmeier formula", "Normandy format"]),
        Entry("minsk-ceasefire-collapse", "Moscow drops the Minsk II cease-fire if the elections are not held", ["ukraine", "minsk", "donbas", "conditional"], ["Minsk II", "cease-fire", "ceasefire", "Donbas", "recognition of DPR", "recognition of LPR", "offensive in Donbas", "Javelin"]),
        Entry("iran-deal", "Russia sticks with Iran and the nuclear deal", ["iran", "middle-east", "us-russia"], ["JCPOA", "Iran nuclear deal", "Iran nuclear agreement", "snapback", "Iran sanctions", "uranium enrichment", "Tehran"]),
        Entry("counterterrorism-cooperation", "US-Russian counterterrorism cooperation stays limited", ["counterterrorism", "syria", "us-russia"], ["counterterrorism", "ISIS", "Islamic State", "joint strikes", "deconfliction", "intelligence sharing", "joint implementation group"]),
        Entry("baltic-attack", "No Russian attack on a Baltic state", ["baltics", "nato", "europe"], ["Baltic states", "Estonia", "Latvia", "Lithuania", "Suwalki gap", "NATO Article 5", "enhanced forward presence", "Narva"]),
        Entry("near-abroad-pressure", "More Russian aggression against neighbours seeking Euro-Atlantic integration", ["ukraine", "georgia", "moldova", "montenegro", "nato", "europe"], ["Georgia", "Moldova", "Montenegro", "Transnistria", "South Ossetia", "Abkhazia", "NATO membership", "coup attempt", "Kerch Strait", "Sea of Azov"]),
        Entry("china-containment", "Russia does not join a US effort to contain China", ["china", "asia", "us-russia"], ["China", "Beijing", "containment", "Xi Jinping", "Sino-Russian", "strategic partnership", "reverse Kissinger"]),
        Entry("kuril-islands", "No movement on the Kuril Islands dispute", ["japan", "asia", "kurils"], ["Kuril Islands", "Kurils", "Northern Territories", "Japan peace treaty", "Shinzo Abe", "Shikotan", "Habomai"]),
        Entry("detente-fails", "No durable US-Russian d\u00e9tente on the Kremlin's terms", ["us-russia", "europe", "thesis"], ["d\u00e9tente", "detente", "rapprochement", "reset", "Trump Putin summit", "Helsinki summit", "US-Russia relations", "sphere of influence"]),
        Entry("syria-victory", "Russia preserves its core interests in Syria and declares victory", ["syria", "middle-east"], ["Syria", "Assad", "Aleppo", "Hmeimim", "Tartus", "Astana talks", "Putin declares victory", "troop withdrawal from Syria"]),
    ];

    private static PredictionCatalogEntry Entry(string id, string title, string[] tags, string[] terms) =>
        new(id, 1, title, title, tags, terms, PredictionStatus.Uncertain, 0.5);
}
