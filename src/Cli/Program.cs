using StormSharp.Cli;

return await StormCommand.RunAsync(args, Console.Out, Console.Error).ConfigureAwait(false);
