Console.WriteLine("usage: dotnet run --project samples/Nabla.Samples -- <sample>");
