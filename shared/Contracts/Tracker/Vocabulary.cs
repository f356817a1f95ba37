namespace PolicyTracker.Contracts.Tracker;

/// <summary>How a development bears on a prediction's claim.</summary>
public enum Stance { Supports, Undermines, Neutral }

/// <summary>How much a development moves the probability (log-odds weight 0.2, 0.5, 1.0, 2.5).</summary>
public enum Strength { Weak, Moderate, Strong, Decisive }

public enum PredictionStatus { Likely, Uncertain, Unlikely, Overdue, Confirmed, Refuted, Void }

public enum Outcome { Confirmed, Refuted, Void }

/// <summary>Where a statement or development came from.</summary>
public record SourceReference(string? Url, string? Title, string? Publisher);

/// <summary>The event that caused a probability or status move.</summary>
public record ChangeCause(string Type, Guid? DevelopmentId, string? Summary);
