using PolicyTracker.Contracts.Tracker;

namespace PolicyTracker.Ingestion.Tests.Support;

/// <summary>Predictions as the Tracker's catalog would describe them, with search terms like the seed's.</summary>
public static class EssayCatalog
{
    public static readonly IReadOnlyList<PredictionCatalogEntry> Predictions =
    [
        Entry("sanctions-relief", "Sanctions relief for Russia", ["sanctions", "CAATSA", "OFAC", "lift sanctions", "ease sanctions", "SDN list", "sanctions relief"]),
        Entry("minsk-elections", "Elections in Donbas under Minsk II", ["Minsk agreements", "Minsk II", "Donbas elections", "Donetsk Luhansk elections", "special status", "Steinmeier formula"]),
        Entry("minsk-ceasefire-collapse", "Moscow abandons the Minsk cease-fire", ["Minsk ceasefire", "cease-fire Donbas", "ceasefire violations", "line of contact", "Normandy format"]),
        Entry("iran-deal", "Russia keeps the Iran deal alive", ["JCPOA", "Iran nuclear deal", "Iran nuclear agreement", "snapback", "uranium enrichment Iran"]),
        Entry("kuril-islands", "No movement on the Kuril Islands", ["Kuril Islands", "Northern Territories", "peace treaty Japan"]),
    ];

    private static PredictionCatalogEntry Entry(string id, string title, string[] terms) =>
        new(id, 1, title, title, ["russia"], terms, PredictionStatus.Uncertain, 0.5);
}
