using StormSharp.Worker.Hosting;

return await WorkerProcess.MainAsync(args).ConfigureAwait(false);
