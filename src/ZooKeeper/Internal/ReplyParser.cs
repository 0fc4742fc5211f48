namespace StormSharp.ZooKeeper.Internal;

/// <summary>Turns a successful reply body into the operation's result.</summary>
internal delegate T ReplyParser<T>(ref JuteReader body);
